"""segmentation-3.0's first layer computed once per stretch of audio instead of once per chunk.

Why: the spectral backend slides pyannote's segmentation model over 10 s chunks every 1 s, so every
sample goes through the model ten times. The model (PyanNet) starts with an instance norm of the
chunk's waveform, a bank of 80 sinc band-pass filters (251 taps, stride 10), ``abs`` and a max-pool
of 3; that first stage was a third of the model's CPU time (the sinc convolution alone ~0.38 s of
~1.7 s per batch of 32 chunks, one thread). It is linear up to the ``abs``, so it can be shared:

- the instance norm maps a chunk ``x`` to ``a * x + b`` (``a = gamma / sqrt(var + eps)``,
  ``b = beta - a * mean``, both per chunk), hence ``conv(norm(x)) = a * conv(x) + b * s``, where
  ``s`` is each filter's tap sum and ``conv(x)`` is a slice of the convolution of the whole stretch
  (chunk starts are whole multiples of the stride);
- with ``a > 0``, ``abs(a * y + b * s) = a * abs(y + c)`` (``c = b * s / a``) and the max of
  ``|y + c|`` over a pooling window is ``max(max(y) + c, -(min(y) + c))``: the window maxima and
  minima are computed once per stretch (for each of the three pooling phases a chunk can start at)
  and each chunk only adds its own constant.

The rest of the model (the later convolutions, their instance norms, the LSTM and the classifier)
runs per chunk as before, through pyannote's own ``forward`` with the first stage replaced by
identities. The result is the model's output up to float rounding (~4e-4 on log-probabilities, the
binarised output identical on the bench file and the test samples); segmentation costs ~20 % less.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ModelError


class SharedFrontend:
    """segmentation-3.0 over chunks of one waveform, its sinc stage shared between overlapping chunks.

    ``model`` is pyannote's PyanNet as loaded from the bundled checkpoint; ``conversion`` is the
    ``Inference``'s powerset-to-multilabel module, so :meth:`infer` returns what
    ``Inference.infer`` returns for the same (zero-padded) chunks."""

    def __init__(self, model: Any, conversion: Any, chunk_samples: int) -> None:
        sincnet = getattr(model, "sincnet", None)
        try:
            norm = sincnet.wav_norm1d  # type: ignore[union-attr]
            encoder = sincnet.conv1d[0]  # type: ignore[union-attr]
            pool = sincnet.pool1d[0]  # type: ignore[union-attr]
            filters = encoder.filterbank.filters()
        except (AttributeError, IndexError, TypeError) as e:
            raise ModelError(
                f"the shared segmentation front end needs PyanNet's SincNet: {e}"
            ) from e
        if not (
            isinstance(norm, torch.nn.InstanceNorm1d)
            and norm.affine
            and norm.num_features == 1
            and isinstance(pool, torch.nn.MaxPool1d)
            and _single(pool.kernel_size) == _single(pool.stride)
            and _single(pool.padding) == 0
            and _single(pool.dilation) == 1
            and not pool.ceil_mode
            and int(getattr(encoder, "padding", -1)) == 0
            and filters.dim() == 3
            and filters.shape[1] == 1
        ):
            raise ModelError("the shared segmentation front end does not fit this model's SincNet")
        self.model = model
        self.conversion = conversion
        self.chunk_samples = chunk_samples
        self.stride = int(encoder.stride)
        self.pool = _single(pool.kernel_size)
        self._encoder = encoder
        self._gamma = float(norm.weight.detach()[0])
        self._beta = float(norm.bias.detach()[0])
        self._eps = float(norm.eps)
        # pyannote's forward from the first pool's output on: the stage computed here is replaced
        # by identities (``abs`` of the non-negative pooled values leaves them unchanged)
        tail = copy.deepcopy(model)
        tail.sincnet.wav_norm1d = torch.nn.Identity()
        tail.sincnet.conv1d[0] = torch.nn.Identity()
        tail.sincnet.pool1d[0] = torch.nn.Identity()
        self.tail = tail.eval()
        self.frames = (chunk_samples - filters.shape[-1]) // self.stride + 1  # sinc frames a chunk
        self.pooled = self.frames // self.pool

    def fits(self, step_samples: int) -> bool:
        """Whether chunks ``step_samples`` apart start on the same sinc frame grid (else the
        caller runs the model per chunk)."""
        return step_samples % self.stride == 0

    def infer(self, waveform: torch.Tensor, starts: np.ndarray) -> np.ndarray:
        """Binarised multilabel segmentation of the chunks at ``starts`` (ascending, equally spaced
        by a multiple of the stride), each ``chunk_samples`` long and zero-padded past the end of
        ``waveform``: shape (chunks, frames, speakers), as ``Inference.infer`` gives."""
        steps = np.diff(starts)
        if starts.size == 0 or (steps.size and (steps != steps[0]).any()):
            raise ValueError("chunks must be equally spaced")
        if steps.size and steps[0] % self.stride:
            raise ValueError(f"chunk step {int(steps[0])} is not a multiple of {self.stride}")
        with torch.inference_mode():
            first, order = self._first_stage(waveform, starts)
            outputs = self.tail(first)
            inverse = torch.empty(len(order), dtype=torch.long)
            inverse[torch.as_tensor(order)] = torch.arange(len(order))
            multilabel: np.ndarray = self.conversion(outputs[inverse]).cpu().numpy()
        return multilabel

    def _first_stage(
        self, waveform: torch.Tensor, starts: np.ndarray
    ) -> tuple[torch.Tensor, list[int]]:
        """max-pool(|sinc(norm(chunk))|) of every chunk, (chunks, filters, pooled frames), rows
        grouped by pooling phase; with the row order (indices into ``starts``)."""
        first_sample, length = int(starts[0]), self.chunk_samples
        span = int(starts[-1]) - first_sample + length
        stretch = waveform[first_sample : first_sample + span]
        stretch = F.pad(stretch, (0, span - stretch.numel()))  # the last chunk may run past the end
        filters = self._encoder.filterbank.filters()
        sinc = F.conv1d(stretch[None, None], filters, stride=self.stride)  # (1, filters, frames)
        # per-chunk instance-norm statistics from running sums (float64: ten million samples)
        x = stretch.double()
        sums = F.pad(torch.cumsum(x, 0), (1, 0))
        squares = F.pad(torch.cumsum(x * x, 0), (1, 0))
        rel = torch.as_tensor(starts - first_sample, dtype=torch.long)
        mean = (sums[rel + length] - sums[rel]) / length
        var = (squares[rel + length] - squares[rel]) / length - mean * mean
        scale = self._gamma / torch.sqrt(var.clamp(min=0.0) + self._eps)
        shift = self._beta - scale * mean
        taps = filters.sum(dim=-1)[:, 0].double()  # (filters,)
        offsets = (shift / scale)[:, None] * taps[None]  # c per chunk and filter
        out = torch.empty(len(starts), filters.shape[0], self.pooled)
        order: list[int] = []
        offsets_f, scale_f = offsets.float(), scale.float()
        frame_of = (starts - first_sample) // self.stride
        negative = -sinc
        for phase in range(self.pool):
            rows = [i for i in range(len(starts)) if frame_of[i] % self.pool == phase]
            if not rows:
                continue
            highs = F.max_pool1d(sinc[:, :, phase:], self.pool, self.pool)[0]
            lows = F.max_pool1d(negative[:, :, phase:], self.pool, self.pool)[0]  # -min
            at = [(int(frame_of[i]) - phase) // self.pool for i in rows]
            spacing = at[1] - at[0] if len(at) > 1 else 0
            channels, width = highs.shape
            view = ((len(rows), channels, self.pooled), (spacing, width, 1), at[0])
            high = highs.as_strided(*view)
            low = lows.as_strided(*view)
            c = offsets_f[rows][:, :, None]
            block = out[len(order) : len(order) + len(rows)]
            torch.add(high, c, out=block)
            torch.maximum(block, low - c, out=block)
            block.mul_(scale_f[rows][:, None, None])
            order.extend(rows)
        return out, order


def _single(value: Any) -> int:
    """A pooling parameter as one int (torch stores them as an int or a 1-tuple)."""
    return int(value[0] if isinstance(value, tuple) else value)
