"""`python -m cli`: the same command as `cmr-search`, from whatever source tree is first on the
path (a worktree, a checkout without an install)."""

from cli.entry import main

main()
