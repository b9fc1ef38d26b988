"""Change control's actions: new, approve, bump, reviewed and sign edit policies (atomically, keeping
comments and key order), and acknowledgements append to the chained records. What they read and prove
is in ``evidence/``; before an approval they ask the lint engine's gate, never a rule directly."""
