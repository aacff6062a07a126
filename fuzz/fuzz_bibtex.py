"""atheris harness: bibtex (see fuzz/targets.py; run with fuzz/run.py --only bibtex)."""

from harness import main

if __name__ == "__main__":
    main("bibtex")
