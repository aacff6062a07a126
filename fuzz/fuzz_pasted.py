"""atheris harness: pasted (see fuzz/targets.py; run with fuzz/run.py --only pasted)."""

from harness import main

if __name__ == "__main__":
    main("pasted")
