"""Every quantiser of the toolkit, apart from export (which only calls `dispatch.quantize_text`) and from
text_graph (which only undoes them), so neither imports the other:

- `weights`: weight-only int8, nbits8 (MatMulNBits) and dynamic int8 text graphs;
- `dispatch`: `quantize_text`, the mode → quantiser choice of `export --quantize` (above the others: no cycle);
- `text_q8`: the served int8-per-token text graph (issue #14);
- `image`: the image encoder's static int8 (QDQ) graph (issue #29).
"""
