"""Change control: editing policies, fingerprints of approved content, versions, the history read from
git, read-and-understood records and the review calendar. Git is reached only through ``git.py``."""
