"""One view of a policy for every output: its document-control rows, its addresses, its change lists and
the plain-text helpers. The staff site, the handbook and the confirmations service read policies through
it, so a value is worked out once and shown the same everywhere."""
