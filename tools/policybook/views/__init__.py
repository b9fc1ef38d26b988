"""Views of the corpus shared by every output: what the site, the handbook and the confirmations service
show of a policy, and the lists they share (the review calendar). Views read the model and the evidence;
they never write, and they know no output format beyond plain data."""
