"""atheris harness: sniff (see fuzz/targets.py; run with fuzz/run.py --only sniff)."""

from harness import main

if __name__ == "__main__":
    main("sniff")
