"""atheris harness: jsonl (see fuzz/targets.py; run with fuzz/run.py --only jsonl)."""

from harness import main

if __name__ == "__main__":
    main("jsonl")
