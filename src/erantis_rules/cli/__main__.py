"""``python -m erantis_rules.cli``: the same as the ``erantis`` console script."""

from erantis_rules.cli import main

if __name__ == "__main__":
    main()
