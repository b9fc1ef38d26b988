"""Read-only evidence of change control: versions and fingerprints, signatures, proof of approval, the
history and the versions in force read from git, and the chained records. It sits under the rules, which
read it, and under the actions in ``control/``, which write what it reads."""
