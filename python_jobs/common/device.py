"""Which torch device to run on, and the switches that make a torch run repeatable."""

from __future__ import annotations

import os


def resolve_device(device: str = "auto") -> str:
    """auto -> cuda when torch sees a GPU, else cpu; an explicit cuda without a GPU is an error, not a fallback."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} requested but torch sees no CUDA GPU; use auto or cpu")
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be auto, cpu or cuda[:N], not {device!r}")
    return device


def set_determinism(seed: int, device: str) -> None:
    """Seed torch and ask for deterministic kernels (bit-identical reruns on the same hardware)."""
    import torch

    if device.startswith("cuda"):
        # must be set before cuBLAS initialises for deterministic GEMMs
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
        torch.backends.cuda.matmul.allow_tf32 = False
        # the flash and memory-efficient attention kernels have non-deterministic backward passes (torch only
        # warns): the math kernel keeps a retrained model bit-identical
        torch.backends.cuda.enable_flash_sdp(False)
        torch.backends.cuda.enable_mem_efficient_sdp(False)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.manual_seed(seed)
