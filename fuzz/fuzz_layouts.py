"""atheris harness: layouts (see fuzz/targets.py; run with fuzz/run.py --only layouts)."""

from harness import main

if __name__ == "__main__":
    main("layouts")
