#!/usr/bin/python3
"""Generates the tiny ONNX models and vocabulary that the OnnxEmbedder tests use.

Run with Debian's python3-onnx and python3-numpy (apt-get install -y python3-onnx python3-numpy):
    /usr/bin/python3 tests/Paperboy.Tests/testdata/onnx/make_tiny_model.py
The outputs are committed, so the tests need no python. Everything is seeded: reruns give the same files.

Files written next to this script:
  vocab.txt              [PAD] [UNK] [CLS] [SEP] [MASK] and 50 lower-case words (BERT WordPiece vocabulary)
  tiny.onnx              input_ids, attention_mask, token_type_ids (int64 [batch, seq]) -> last_hidden_state
                         [batch, seq, 8]: a Gather from a fixed random table [vocab, 8], plus the position index
                         times 0.01 so a token's vector depends on where it is (as in a real transformer)
  tiny_dynamic.onnx      tiny.onnx with the hidden size left open ("hidden") in its declared output shape
  tiny_pooled.onnx       input_ids, attention_mask -> sentence_embedding [batch, 8]: mask-weighted mean of the
                         same table lookup (no position term), computed inside the graph
  tiny_nan.onnx          like tiny.onnx without token_type_ids, but its output is the lookup divided by zero
                         times zero, i.e. all NaN
  tiny_badshape.onnx     input_ids, attention_mask -> out [batch, seq, 4, 2] (rank 4: no usable shape)
  expected.json          sentence vectors of a few texts as numpy computes them (WordPiece ids written out by hand
                         here, mean pooling over the real tokens, L2 norm) for tiny.onnx and tiny_pooled.onnx
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
HIDDEN = 8
OPSET = 13

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = """the a of and to in is for on with
neural network networks learning deep model models language transformer attention
graph vision image images text retrieval search paper papers embedding
quantum physics galaxy star protein cell gene chemistry molecule climate
robot control policy reward agent game data training loss ##s""".split()
assert len(WORDS) == 50, len(WORDS)
VOCAB = SPECIAL + WORDS


def write_vocab():
    with open(os.path.join(HERE, "vocab.txt"), "w", encoding="utf-8", newline="\n") as f:
        for token in VOCAB:
            f.write(token + "\n")


def table():
    rng = np.random.default_rng(20240601)
    return rng.standard_normal((len(VOCAB), HIDDEN)).astype(np.float32)


def inputs(with_token_types):
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_types else [])
    return [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"]) for n in names]


def save(graph, name):
    model = helper.make_model(graph, producer_name="paperboy-tests", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def tiny(name="tiny.onnx", hidden=HIDDEN):
    # hidden = Gather(table, input_ids) + 0.01 * position; token_type_ids is accepted and used (times zero) so the
    # input is not pruned away.
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["lookup"], axis=0),
        helper.make_node("Shape", ["input_ids"], ["ids_shape"]),
        helper.make_node("Gather", ["ids_shape", "one"], ["seq_len"], axis=0),
        helper.make_node("Range", ["zero_i", "seq_len", "one_i"], ["positions"]),
        helper.make_node("Cast", ["positions"], ["positions_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["positions_f", "hundredth"], ["pos_scaled"]),
        helper.make_node("Unsqueeze", ["pos_scaled", "axes_0_2"], ["pos_3d"]),  # [1, seq, 1]
        helper.make_node("Cast", ["token_type_ids"], ["types_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["types_f", "zero_f"], ["types_zero"]),
        helper.make_node("Unsqueeze", ["types_zero", "axes_2"], ["types_3d"]),  # [batch, seq, 1]
        helper.make_node("Add", ["lookup", "pos_3d"], ["with_pos"]),
        helper.make_node("Add", ["with_pos", "types_3d"], ["last_hidden_state"]),
    ]
    inits = [
        numpy_helper.from_array(table(), "table"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "one"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero_i"),
        numpy_helper.from_array(np.array(1, dtype=np.int64), "one_i"),
        numpy_helper.from_array(np.array(0.01, dtype=np.float32), "hundredth"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero_f"),
        numpy_helper.from_array(np.array([0, 2], dtype=np.int64), "axes_0_2"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axes_2"),
    ]
    out = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", hidden])
    save(helper.make_graph(nodes, "tiny", inputs(True), [out], inits), name)


def tiny_pooled():
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["lookup"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axes_2"], ["mask_3d"]),
        helper.make_node("Mul", ["lookup", "mask_3d"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axes_1"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask_3d", "axes_1"], ["count"], keepdims=0),
        helper.make_node("Div", ["summed", "count"], ["sentence_embedding"]),
    ]
    inits = [
        numpy_helper.from_array(table(), "table"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axes_2"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axes_1"),
    ]
    out = helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", HIDDEN])
    save(helper.make_graph(nodes, "tiny_pooled", inputs(False), [out], inits), "tiny_pooled.onnx")


def tiny_nan():
    # (lookup / 0) * 0 = inf * 0 or 0/0 -> NaN everywhere. The mask is used (times zero) so the input stays.
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["lookup"], axis=0),
        helper.make_node("Div", ["lookup", "zero_f"], ["inf"]),
        helper.make_node("Mul", ["inf", "zero_f"], ["nan"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axes_2"], ["mask_3d"]),
        helper.make_node("Mul", ["mask_3d", "zero_f"], ["mask_zero"]),
        helper.make_node("Add", ["nan", "mask_zero"], ["last_hidden_state"]),
    ]
    inits = [
        numpy_helper.from_array(table(), "table"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero_f"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axes_2"),
    ]
    out = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", HIDDEN])
    save(helper.make_graph(nodes, "tiny_nan", inputs(False), [out], inits), "tiny_nan.onnx")


def tiny_badshape():
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["lookup"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axes_2"], ["mask_3d"]),
        helper.make_node("Mul", ["lookup", "mask_3d"], ["masked"]),
        helper.make_node("Reshape", ["masked", "shape4"], ["out"]),
    ]
    inits = [
        numpy_helper.from_array(table(), "table"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axes_2"),
        numpy_helper.from_array(np.array([0, 0, 4, 2], dtype=np.int64), "shape4"),
    ]
    out = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", "seq", 4, 2])
    save(helper.make_graph(nodes, "tiny_badshape", inputs(False), [out], inits), "tiny_badshape.onnx")


# Texts and their uncased WordPiece tokens (without [CLS]/[SEP]), spelled out so the C# tokenizer is checked
# against an independent answer. "graphs" is graph ##s; "Zebra" is not in the vocabulary.
EXPECTED_TEXTS = [
    ("Neural network", ["neural", "network"]),
    ("deep learning for graphs", ["deep", "learning", "for", "graph", "##s"]),
    ("Attention, the Transformer and a Zebra.", ["attention", ",", "the", "transformer", "and", "a", "zebra", "."]),
    ("quantum", ["quantum"]),
]


def write_expected():
    t = table()
    ids_of = {tok: i for i, tok in enumerate(VOCAB)}
    cases = []
    for text, tokens in EXPECTED_TEXTS:
        ids = [ids_of["[CLS]"]] + [ids_of.get(tok, ids_of["[UNK]"]) for tok in tokens] + [ids_of["[SEP]"]]
        states = t[ids].astype(np.float64)
        with_pos = states + 0.01 * np.arange(len(ids))[:, None]
        tiny_vec = with_pos.mean(axis=0)
        pooled_vec = states.mean(axis=0)
        cases.append({
            "text": text,
            "ids": ids,
            "tiny": [float(x) for x in tiny_vec / np.linalg.norm(tiny_vec)],
            "tiny_pooled": [float(x) for x in pooled_vec / np.linalg.norm(pooled_vec)],
        })
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    write_vocab()
    write_expected()
    tiny()
    tiny("tiny_dynamic.onnx", hidden="hidden")
    tiny_pooled()
    tiny_nan()
    tiny_badshape()
    for name in sorted(os.listdir(HERE)):
        print(name, os.path.getsize(os.path.join(HERE, name)))
