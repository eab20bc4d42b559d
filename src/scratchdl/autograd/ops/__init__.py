"""The operations of the graph, one small class each, forward and backward side by side.

``arithmetic`` (+ - * / ** and negation), ``elementwise`` (exp, log, tanh, sigmoid, ReLU, erf,
where), ``reduce`` (sum, mean, max, and the broadcasting pair sum_to / broadcast_to), ``shape``
(reshape, transpose, indexing, concatenate, stack, astype), ``matmul`` (matrix products and the
fused affine layer), ``softmax`` (softmax, log-softmax and the losses built on them), ``conv`` and
``pool`` (through scratchdl's im2col kernels).
"""
