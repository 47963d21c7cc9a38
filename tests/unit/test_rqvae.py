"""RQ-VAE model pieces and the ID metrics (python_jobs.semantic_ids.rqvae, python_jobs.semantic_ids.quality)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from python_jobs.semantic_ids.collisions import resolve_collisions
from python_jobs.semantic_ids.quality import code_metrics, collision_histogram, format_semantic_id, perplexity
from python_jobs.semantic_ids.rqvae import RQVAE, ResidualQuantizer, RQVAEConfig, nearest_code, rotate_to
from python_jobs.semantic_ids.settings import SemanticIdSettings


def config(**changes) -> RQVAEConfig:
    """The RQ-VAE config of the dbt_project.yml vars (384-d input), with some fields changed."""
    return dataclasses.replace(SemanticIdSettings.load().quantizer_spec(384).model, **changes)


def test_usage_and_perplexity_on_a_known_example():
    # level 0: codes {0: 2 items, 1: 2 items} -> 2 of 4 used, perplexity 2
    # level 1: 4 distinct codes -> all used, perplexity 4; level 2: one code -> perplexity 1
    codes = np.array([[0, 0, 3], [0, 1, 3], [1, 2, 3], [1, 3, 3]])
    m = code_metrics(codes, codebook_size=4)
    assert m.usage == [0.5, 1.0, 0.25]
    assert m.perplexity == pytest.approx([2.0, 4.0, 1.0])
    assert m.unique_share == 1.0 and m.collision_rate == 0.0 and m.max_group_size == 1


def test_perplexity_of_a_skewed_distribution_and_collisions():
    counts = np.array([3, 1, 0, 0])
    expected = math.exp(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
    assert perplexity(counts) == pytest.approx(expected)
    assert perplexity(np.zeros(4)) == 0.0
    codes = np.array([[1, 1], [1, 1], [1, 1], [2, 0], [3, 0]])  # one group of 3, two singletons
    m = code_metrics(codes, codebook_size=4)
    assert m.unique_share == pytest.approx(3 / 5)
    assert m.collision_rate == pytest.approx(2 / 5)
    assert m.max_group_size == 3
    assert collision_histogram(codes) == {1: 2, 3: 1}


def test_semantic_id_string_format():
    assert format_semantic_id([12, 44, 88, 0]) == "<|sid_start|><|sid_12|><|sid_300|><|sid_600|><|sid_768|><|sid_end|>"
    assert format_semantic_id([255, 255, 255, 255]) == (
        "<|sid_start|><|sid_255|><|sid_511|><|sid_767|><|sid_1023|><|sid_end|>"
    )
    with pytest.raises(ValueError):
        format_semantic_id([0, 256, 0, 0])


def test_rotation_trick_returns_the_code_and_passes_a_gradient():
    torch.manual_seed(0)
    r = torch.randn(16, 8, requires_grad=True)
    q = torch.randn(16, 8)
    out = rotate_to(r, q)
    assert torch.allclose(out, q, atol=1e-5)
    out.sum().backward()
    assert r.grad is not None and r.grad.abs().sum() > 0
    # and the gradient differs from the straight-through one (all ones), since it is rotated
    assert not torch.allclose(r.grad, torch.ones_like(r.grad))


def test_quantizer_forward_matches_greedy_residual_encoding():
    torch.manual_seed(0)
    quantizer = ResidualQuantizer(levels=3, codebook_size=8, dim=4, gradient="ste")
    quantizer.codebooks.data.normal_()
    z = torch.randn(32, 4)
    out = quantizer(z)
    assert torch.equal(out.codes, quantizer.encode(z))
    assert torch.allclose(out.quantized, quantizer.decode_codes(out.codes), atol=1e-5)
    # level-0 code is the nearest one
    d = torch.cdist(z, quantizer.codebooks[0])
    assert torch.equal(out.codes[:, 0], d.argmin(1))
    assert torch.equal(nearest_code(z, quantizer.codebooks[0]), d.argmin(1))


def test_kmeans_init_puts_kmeans_centres_of_the_latents_into_the_codebooks():
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(0)
    z = torch.as_tensor(rng.normal(size=(300, 4)), dtype=torch.float32)
    quantizer = ResidualQuantizer(levels=2, codebook_size=8, dim=4)
    assert not bool(quantizer.initialized)
    quantizer.kmeans_init(z, seed=7, max_iter=50)
    assert bool(quantizer.initialized)
    r = z.double().numpy()
    km0 = KMeans(n_clusters=8, n_init=1, max_iter=50, random_state=7).fit(r)
    np.testing.assert_allclose(quantizer.codebooks[0].detach().numpy(), km0.cluster_centers_, rtol=1e-5, atol=1e-6)
    r1 = r - km0.cluster_centers_[km0.predict(r)]
    km1 = KMeans(n_clusters=8, n_init=1, max_iter=50, random_state=8).fit(r1)
    np.testing.assert_allclose(quantizer.codebooks[1].detach().numpy(), km1.cluster_centers_, rtol=1e-5, atol=1e-6)


def test_reseed_moves_only_dead_codes_onto_candidates():
    quantizer = ResidualQuantizer(levels=1, codebook_size=6, dim=3)
    before = quantizer.codebooks.data.clone()
    dead = torch.tensor([False, True, False, True, False, False])
    candidates = torch.arange(30, dtype=torch.float32).reshape(10, 3)
    moved = quantizer.reseed(0, dead, candidates, torch.Generator().manual_seed(0))
    assert moved == 2
    after = quantizer.codebooks.data[0]
    assert torch.equal(after[~dead], before[0][~dead])
    for row in after[dead]:
        assert any(torch.equal(row, c) for c in candidates)
    assert not torch.equal(after[1], after[3])  # drawn without replacement


def test_recon_scaling_sum_is_dims_times_mean():
    x = torch.randn(5, 12)
    x_hat = x + 0.1
    summed = RQVAE(config(input_dim=12, hidden_dims=(8,), latent_dim=4, codebook_size=4, recon_loss="sum"))
    mean = RQVAE(config(input_dim=12, hidden_dims=(8,), latent_dim=4, codebook_size=4, recon_loss="mean"))
    assert summed.recon(x_hat, x).item() == pytest.approx(12 * mean.recon(x_hat, x).item(), rel=1e-5)


def test_architecture_and_weight_decay_groups():
    model = RQVAE(config())
    widths = [m.out_features for m in model.encoder if isinstance(m, torch.nn.Linear)]
    assert widths == [512, 256, 128, 32]
    assert [m.out_features for m in model.decoder if isinstance(m, torch.nn.Linear)] == [128, 256, 512, 384]
    assert sum(isinstance(m, torch.nn.SiLU) for m in model.encoder) == 3
    assert model.quantizer.codebooks.shape == (3, 256, 32)
    decay, no_decay = model.param_groups(0.01)
    assert decay["weight_decay"] == 0.01 and no_decay["weight_decay"] == 0.0
    assert any(p is model.quantizer.codebooks for p in no_decay["params"])
    assert not any(p is model.quantizer.codebooks for p in decay["params"])
    n_params = sum(p.numel() for g in (decay, no_decay) for p in g["params"])
    assert n_params == sum(p.numel() for p in model.parameters())


def test_standardize_uses_training_stats():
    x = torch.randn(50, 6) * 3 + 1
    model = RQVAE(config(input_dim=6, hidden_dims=(4,), latent_dim=2, codebook_size=4, standardize=True))
    model.set_input_stats(x)
    xs = model.prepare(x)
    assert torch.allclose(xs.mean(0), torch.zeros(6), atol=1e-5)
    assert torch.allclose(xs.std(0), torch.ones(6), atol=1e-4)


def test_invalid_config_is_rejected():
    with pytest.raises(ValueError):
        config(gradient="gumbel")
    with pytest.raises(ValueError):
        config(recon_loss="max")


def test_resolve_collisions_moves_only_colliding_items_to_their_nearest_free_code():
    codes = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 1], [0, 0, 2], [5, 5, 1]])
    k = 4
    d = np.full((5, k), 9.0)
    d[0] = [5.0, 0.3, 0.4, 8.0]  # keeps 1? no: row 1 is closer to code 1
    d[1] = [5.0, 0.1, 0.2, 8.0]  # closest to code 1: keeps it
    d[2] = [0.9, 0.2, 0.5, 0.6]  # next free after 1 (taken) and 2 (held by row 3): code 3 (0.6) before 0 (0.9)
    d[3] = [1.0, 1.0, 0.0, 1.0]  # unique: never moves
    d[4] = [0.0, 0.0, 0.0, 0.0]  # other prefix, unique
    out = resolve_collisions(codes, d)
    # movers go closest-first: row 2 (0.2 to code 1) before row 0 (0.3)
    assert out[:, 2].tolist() == [0, 1, 3, 2, 1]
    assert (out[:, :2] == codes[:, :2]).all()
    assert code_metrics(out, k).unique_share == 1.0
    assert np.array_equal(resolve_collisions(codes, d), out)  # deterministic


def test_resolve_collisions_keeps_leftovers_when_a_prefix_is_full():
    codes = np.array([[0, 0], [0, 0], [0, 0]])
    d = np.array([[0.0, 1.0], [0.5, 2.0], [0.7, 0.1]])
    out = resolve_collisions(codes, d)
    assert sorted(out[:, 1].tolist()) == [0, 0, 1]  # only 2 codes: one item still collides
    assert out[0, 1] == 0 and out[1, 1] == 1  # row 1 moves first (0.5 < 0.7) and takes the only free code
