import torch

from mmstm.models.backbones import UnifiedBackbone
from mmstm.models.stms import ShiftedWindowAttention
from mmstm.models.utils.position import AbsolutePositionEmbedding

from tests.conftest import tiny_arch


def test_embedding_is_added_as_stored_at_its_own_size():
    embed = AbsolutePositionEmbedding(4, (6, 8))
    x = torch.randn(2, 6, 8, 4)
    torch.testing.assert_close(embed(x) - x,
                               embed.embedding.permute(0, 2, 3, 1).expand(
                                   2, -1, -1, -1))


def test_embedding_is_interpolated_to_other_sizes():
    embed = AbsolutePositionEmbedding(4, (6, 8))
    added = embed(torch.zeros(1, 11, 3, 4))
    assert added.shape == (1, 11, 3, 4)
    # aligned corners: the corner embeddings stay where they were
    torch.testing.assert_close(added[0, 0, 0], embed.embedding[0, :, 0, 0])
    torch.testing.assert_close(added[0, -1, -1], embed.embedding[0, :, -1, -1])


def test_checkpoint_of_another_pretraining_size_is_resized_on_load():
    at_224 = UnifiedBackbone(arch=tiny_arch('pvt'))
    at_384 = UnifiedBackbone(arch=tiny_arch('pvt'), pretrain_img_size=384)
    at_384.load_state_dict(at_224.state_dict())
    embedding = at_384.stages[0].pos_embed.embedding
    assert embedding.shape[-2:] == (96, 96)
    torch.testing.assert_close(
        embedding[..., 0, 0], at_224.stages[0].pos_embed.embedding[..., 0, 0])


def test_swin_table_is_resized_for_another_window():
    trained = ShiftedWindowAttention(8, num_heads=2, window_size=7)
    bigger = ShiftedWindowAttention(8, num_heads=2, window_size=12)
    bigger.load_state_dict(trained.state_dict())
    assert bigger.relative_position_bias_table.shape == (23 * 23, 2)
    same = ShiftedWindowAttention(8, num_heads=2, window_size=7)
    same.load_state_dict(trained.state_dict())
    torch.testing.assert_close(same.relative_position_bias_table,
                               trained.relative_position_bias_table)
