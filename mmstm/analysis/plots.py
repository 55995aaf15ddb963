"""PNG figures of the analyses (matplotlib, no display needed)."""
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from .erf import normalized_log  # noqa: E402

INVARIANCE_LABELS = {
    'translation': 'translation (px)',
    'rotation_before_crop': 'rotation before crop (deg)',
    'rotation_after_crop': 'rotation after crop (deg)',
    'scale': 'crop ratio',
}


def plot_erf(erf_maps, path, title=''):
    """The four stage maps side by side: log10(x + 1), normalised, viridis."""
    fig, axes = plt.subplots(1, len(erf_maps),
                             figsize=(3.2 * len(erf_maps), 3.4))
    for i, (ax, erf_map) in enumerate(zip(axes, erf_maps)):
        image = ax.imshow(normalized_log(erf_map), cmap='viridis', vmin=0,
                          vmax=1)
        ax.set_title(f'stage {i + 1}')
        ax.axis('off')
    fig.colorbar(image, ax=list(axes), shrink=0.8)
    fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches='tight')
    plt.close(fig)


def plot_invariance(rows_by_model, path):
    """One panel per invariance: consistency (solid) and top-1 (dashed,
    where labelled) against strength, one colour per model."""
    kinds = list(dict.fromkeys(r['kind'] for rows in rows_by_model.values()
                               for r in rows))
    fig, axes = plt.subplots(1, len(kinds), figsize=(4.5 * len(kinds), 3.8),
                             squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        for index, (model, rows) in enumerate(rows_by_model.items()):
            rows = [r for r in rows if r['kind'] == kind]
            strengths = [r['strength'] for r in rows]
            color = f'C{index}'
            ax.plot(strengths, [r['consistency'] for r in rows], '-o',
                    color=color, markersize=3, label=f'{model} consistency')
            if rows and rows[0]['top1'] is not None:
                ax.plot(strengths, [r['top1'] for r in rows], '--',
                        color=color, label=f'{model} top-1')
        ax.set_xlabel(INVARIANCE_LABELS.get(kind, kind))
        ax.set_ylabel('%')
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc='center left',
                       bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches='tight')
    plt.close(fig)


def plot_attacks(rows_by_model, path):
    """Attacked top-1 against epsilon, one panel per attack, one line per
    model (epsilon 0 is the clean accuracy)."""
    attacks = list(dict.fromkeys(r['attack'] for rows in rows_by_model.values()
                                 for r in rows))
    fig, axes = plt.subplots(1, len(attacks),
                             figsize=(4.5 * len(attacks), 3.8),
                             squeeze=False)
    for ax, attack in zip(axes[0], attacks):
        for index, (model, rows) in enumerate(rows_by_model.items()):
            rows = [r for r in rows if r['attack'] == attack]
            epsilons = [0] + [r['epsilon'] for r in rows]
            accuracy = [rows[0]['clean_top1']] + \
                [r['attacked_top1'] for r in rows]
            ax.plot(epsilons, accuracy, '-o', color=f'C{index}',
                    markersize=3, label=model)
        ax.set_title(attack.upper())
        ax.set_xlabel('epsilon (1/255)')
        ax.set_ylabel('top-1 (%)')
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
