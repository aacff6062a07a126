"""atheris harness: hf_daily (see fuzz/targets.py; run with fuzz/run.py --only hf_daily)."""

from harness import main

if __name__ == "__main__":
    main("hf_daily")
