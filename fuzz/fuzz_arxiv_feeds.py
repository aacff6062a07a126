"""atheris harness: arxiv_feeds (see fuzz/targets.py; run with fuzz/run.py --only arxiv_feeds)."""

from harness import main

if __name__ == "__main__":
    main("arxiv_feeds")
