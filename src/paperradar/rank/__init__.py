"""Ranking: pure scoring over what the store and the indexes return.

- ``trending``: what is hot on a day or in a week (upvotes, code, sources, readers' likes);
- ``library``, ``foryou``, ``topics``: a reader's library, recommendations and topic clusters.

Modules here never render anything; ``paperradar.publish`` turns rankings into digests.
"""
