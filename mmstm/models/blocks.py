"""The generic blocks: the unified network's two pre-norm residuals, and the
single residual of the original ConvNeXt for the ablations."""
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn

from mmstm.registry import build_mmstm_module


def layer_scale(embed_dims, init_value):
    """A learnable per-channel factor on a residual branch starting at
    ``init_value``, or the constant 1 when ``init_value`` is 0 (off). A bare
    parameter, as in the paper's code: a block's ``gamma1`` is the flat key
    of every released checkpoint."""
    if init_value <= 0:
        return 1.0
    return nn.Parameter(torch.full((embed_dims, ), float(init_value)))


class MLP(nn.Module):
    """Linear -> GELU -> Linear on channels-last tokens."""

    def __init__(self, embed_dims, hidden_dims):
        super().__init__()
        self.fc1 = nn.Linear(embed_dims, hidden_dims)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_dims, embed_dims)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def _drop_path(rate):
    return DropPath(rate) if rate > 0 else nn.Identity()


class UnifiedBlock(nn.Module):
    """``x + drop_path(gamma1 * stm(norm1(x)))`` then the same with the MLP.

    Args:
        embed_dims (int): Channels.
        stm_cfg (dict): Config of the spatial token mixer; ``embed_dims`` is
            filled in here.
        mlp_ratio (float): Hidden width of the MLP relative to ``embed_dims``.
        drop_path (float): Stochastic depth rate of both residual branches.
        layer_scale_init_value (float): Initial value of the per-channel
            layer scales ``gamma1``/``gamma2``; 0 disables layer scale.
        norm_eps (float): Epsilon of both LayerNorms.
    """

    def __init__(self,
                 embed_dims,
                 stm_cfg,
                 mlp_ratio=4.,
                 drop_path=0.,
                 layer_scale_init_value=1e-6,
                 norm_eps=1e-6):
        super().__init__()
        # first, as in the checkpoints: an optimiser's saved state follows
        # the order of the parameters
        self.gamma1 = layer_scale(embed_dims, layer_scale_init_value)
        self.gamma2 = layer_scale(embed_dims, layer_scale_init_value)
        self.norm1 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.stm = build_mmstm_module(stm_cfg,
                                      default_args=dict(embed_dims=embed_dims))
        self.norm2 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.mlp = MLP(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = _drop_path(drop_path)

    def forward(self, x, mixer_input=None):
        """``x``: channels-last ``(B, H, W, C)``; ``mixer_input`` (same
        shape) replaces ``x`` as the mixer branch's input only (the paper's
        downstream PVT adds its position embedding there)."""
        mixer_input = x if mixer_input is None else mixer_input
        x = x + self.drop_path(self.gamma1 * self.stm(self.norm1(mixer_input)))
        x = x + self.drop_path(self.gamma2 * self.mlp(self.norm2(x)))
        return x


class SingleResidualBlock(nn.Module):
    """``x + drop_path(gamma * mlp(norm(stm(x))))``: mixer and MLP in one
    branch, as the original ConvNeXt block (whose mixer is a bare depth-wise
    convolution). Arguments as :class:`UnifiedBlock`."""

    def __init__(self,
                 embed_dims,
                 stm_cfg,
                 mlp_ratio=4.,
                 drop_path=0.,
                 layer_scale_init_value=1e-6,
                 norm_eps=1e-6):
        super().__init__()
        self.gamma = layer_scale(embed_dims, layer_scale_init_value)
        self.stm = build_mmstm_module(stm_cfg,
                                      default_args=dict(embed_dims=embed_dims))
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.mlp = MLP(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = _drop_path(drop_path)

    def forward(self, x):
        """``x``: channels-last ``(B, H, W, C)``."""
        return x + self.drop_path(
            self.gamma * self.mlp(self.norm(self.stm(x))))


BLOCKS = {'two_residual': UnifiedBlock, 'single_residual': SingleResidualBlock}
