"""mmstm's imports run one way: the checkpoint package at the bottom
imports no other mmstm package, the models never import the engine (or
anything above them), and no two packages or modules import each other,
directly or around a circle."""
import ast
import glob
import os.path as osp

from tests.conftest import REPO_ROOT

PACKAGE = osp.join(REPO_ROOT, 'mmstm')


def package_of(module):
    """``'checkpoint'`` for ``mmstm.checkpoint.digest``; ``registry`` etc.
    for top-level modules."""
    return module.split('.')[1] if module.count('.') else module


def imports():
    """``{module: set of mmstm modules it imports}``, relative imports
    resolved, imports inside functions included."""
    found = {}
    for path in glob.glob(osp.join(PACKAGE, '**', '*.py'), recursive=True):
        relative = osp.relpath(path, REPO_ROOT)[:-3].replace(osp.sep, '.')
        module = relative[:-len('.__init__')] if relative.endswith(
            '__init__') else relative
        is_package = path.endswith('__init__.py')
        targets = set()
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split('.')
                    base = base[:len(base) - node.level + is_package]
                    name = '.'.join(base + ([node.module] if node.module
                                            else []))
                else:
                    name = node.module
                targets.add(name)
                targets |= {f'{name}.{a.name}' for a in node.names}
        found[module] = targets
    return {module: {t for t in targets if t in found and t != module}
            for module, targets in found.items()}


def package_graph():
    graph = {}
    for module, targets in imports().items():
        if module == 'mmstm':
            continue
        source = package_of(module)
        graph.setdefault(source, set()).update(
            package_of(t) for t in targets if package_of(t) != source)
    return graph


def test_the_checkpoint_package_imports_no_other_mmstm_package():
    assert package_graph()['checkpoint'] == set()


def test_the_models_import_nothing_above_them():
    assert package_graph()['models'] <= {'registry', 'checkpoint'}


def circles(graph):
    """The nodes of ``graph`` that reach themselves."""
    def reaches(start, goal, seen):
        for step in graph.get(start, ()):
            if step == goal or (step not in seen and reaches(
                    step, goal, seen | {step})):
                return True
        return False

    return [node for node in graph if reaches(node, node, {node})]


def test_no_two_packages_import_each_other_around_a_circle():
    assert circles(package_graph()) == []


def test_no_module_imports_itself_around_a_circle():
    # a package's __init__ gathers its modules, which is no circle of code
    graph = {module: {t for t in targets
                      if not module.startswith(t + '.')}
             for module, targets in imports().items()}
    assert circles(graph) == []
