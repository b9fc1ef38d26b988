"""Allow ``python -m policybook``."""

from policybook.cli import main

raise SystemExit(main())
