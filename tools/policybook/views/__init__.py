"""Views of the corpus shared by every output: one view of a policy (its document-control rows, its
addresses, its change lists and the plain-text helpers) and the lists the outputs share (the review
calendar). The staff site, the handbook and the confirmations service read policies through it, so a
value is worked out once and shown the same everywhere. Views read the model and the evidence; they
never write."""
