def softmax(scores):
    """Turn raw attention scores into weights that sum to one."""
    m = max(scores)
    exps = [pow(2.718281828, s - m) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


print(softmax([1.0, 2.0, 3.0]))
