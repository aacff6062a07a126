"""atheris harness: arxiv_atom (see fuzz/targets.py; run with fuzz/run.py --only arxiv_atom)."""

from harness import main

if __name__ == "__main__":
    main("arxiv_atom")
