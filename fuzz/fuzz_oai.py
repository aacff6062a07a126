"""atheris harness: oai (see fuzz/targets.py; run with fuzz/run.py --only oai)."""

from harness import main

if __name__ == "__main__":
    main("oai")
