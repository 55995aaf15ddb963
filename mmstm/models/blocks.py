"""The generic blocks: the unified network's two pre-norm residuals, and the
single residual of the original ConvNeXt for the ablations."""
from mmcv.cnn.bricks import DropPath
from torch import nn

from mmstm.models.fused_linear import Linear
from mmstm.models.layer_scale import keep_flat_keys, layer_scale
from mmstm.models.residual import add_branch, samplewise
from mmstm.models.slabbed_mlp import mlp
from mmstm.registry import build_mmstm_module


class MLP(nn.Module):
    """Linear -> GELU -> Linear on channels-last tokens (on the CPU a slab
    of tokens at a time where the hidden layer is large: ``slabbed_mlp``; in
    CPU inference with the bias and GELU fused into the products:
    ``fused_linear``)."""

    def __init__(self, embed_dims, hidden_dims):
        super().__init__()
        self.fc1 = Linear(embed_dims, hidden_dims)
        self.act = nn.GELU()
        self.fc2 = Linear(hidden_dims, embed_dims)

    def forward(self, x):
        if type(self.act) is nn.GELU and self.act.approximate == 'none':
            return mlp(x, self.fc1, self.fc2)
        return self.fc2(self.act(self.fc1(x)))  # a replaced activation


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
        # registered first, so the parameter order (and with it the state
        # of an optimiser saved before layer scale was a module) is kept
        self.gamma1 = layer_scale(embed_dims, layer_scale_init_value)
        self.gamma2 = layer_scale(embed_dims, layer_scale_init_value)
        keep_flat_keys(self, 'gamma1', 'gamma2')
        self.norm1 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.stm = build_mmstm_module(stm_cfg,
                                      default_args=dict(embed_dims=embed_dims))
        self.norm2 = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.mlp = MLP(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()
        self._stm_is_samplewise = samplewise(self.stm)

    def _mixer_branch(self, x):
        return self.stm(self.norm1(x))

    def _mlp_branch(self, x):
        return self.mlp(self.norm2(x))

    def forward(self, x, mixer_input=None):
        """``x``: channels-last ``(B, H, W, C)``; ``mixer_input`` (same
        shape) replaces ``x`` as the mixer branch's input only (the paper's
        downstream PVT adds its position embedding there)."""
        mixer_input = x if mixer_input is None else mixer_input
        x = add_branch(x, self._mixer_branch, mixer_input, self.gamma1,
                       self.drop_path, self._stm_is_samplewise)
        return add_branch(x, self._mlp_branch, x, self.gamma2, self.drop_path)


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
        keep_flat_keys(self, 'gamma')
        self.stm = build_mmstm_module(stm_cfg,
                                      default_args=dict(embed_dims=embed_dims))
        self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.mlp = MLP(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()
        self._stm_is_samplewise = samplewise(self.stm)

    def _branch(self, x):
        return self.mlp(self.norm(self.stm(x)))

    def forward(self, x):
        """``x``: channels-last ``(B, H, W, C)``."""
        return add_branch(x, self._branch, x, self.gamma, self.drop_path,
                          self._stm_is_samplewise)


BLOCKS = {'two_residual': UnifiedBlock, 'single_residual': SingleResidualBlock}
