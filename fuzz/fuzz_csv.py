"""atheris harness: csv (see fuzz/targets.py; run with fuzz/run.py --only csv)."""

from harness import main

if __name__ == "__main__":
    main("csv")
