"""`python -m dirfa`: the same as the `dirfa` command."""

from __future__ import annotations

from dirfa.cli import main

raise SystemExit(main())
