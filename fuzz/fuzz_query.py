"""atheris harness: query (see fuzz/targets.py; run with fuzz/run.py --only query)."""

from harness import main

if __name__ == "__main__":
    main("query")
