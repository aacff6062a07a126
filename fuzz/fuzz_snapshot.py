"""atheris harness: snapshot (see fuzz/targets.py; run with fuzz/run.py --only snapshot)."""

from harness import main

if __name__ == "__main__":
    main("snapshot")
