"""A DQN update loop on a corridor: a replay buffer sampled from fixed indices, Q-values
picked with gather, a target network synced with load_state_dict(state_dict()) and
evaluated under torch.no_grad(), double-DQN argmax, F.smooth_l1_loss (Huber), RMSprop,
clip_grad_value_, and a soft (Polyak) target update through torch.no_grad and mul_/add_."""

import copy

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=6, gamma=0.9):
    torch.manual_seed(0)
    rng = np.random.default_rng(5)
    n_states, n_actions, capacity = 6, 3, 64
    states = rng.integers(0, n_states, size=capacity)
    actions = rng.integers(0, n_actions, size=capacity)
    next_states = np.clip(states + actions - 1, 0, n_states - 1)
    rewards = (next_states == n_states - 1).astype(np.float64) - 0.05
    dones = next_states == n_states - 1
    batches = rng.integers(0, capacity, size=(steps, 16))
    eye = np.eye(n_states)

    class QNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(n_states, 24), nn.Tanh(),
                                      nn.Linear(24, 24), nn.LeakyReLU(0.1))
            self.head = nn.Linear(24, n_actions)

        def forward(self, s):
            return self.head(self.body(s))

    policy = QNet()
    if init:
        init({"policy": policy})
    target = copy.deepcopy(policy)
    target.load_state_dict(policy.state_dict())
    target.eval()
    for p in target.parameters():
        p.requires_grad_(False)
    optimizer = optim.RMSprop(policy.parameters(), lr=1e-2, alpha=0.95, eps=1e-6,
                              centered=True, momentum=0.5)
    dtype = torch.get_default_dtype()
    losses, synced = [], []
    for step in range(steps):
        b = batches[step]
        s = torch.tensor(eye[states[b]], dtype=dtype)
        a = torch.tensor(actions[b]).unsqueeze(1)
        r = torch.tensor(rewards[b], dtype=dtype)
        s2 = torch.tensor(eye[next_states[b]], dtype=dtype)
        done = torch.tensor(dones[b])
        q = policy(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            best = policy(s2).argmax(dim=1, keepdim=True)
            q_next = target(s2).gather(1, best).squeeze(-1)
            q_next[done] = 0.0
            expected = r + gamma * q_next
        loss = F.smooth_l1_loss(q, expected, beta=0.5)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(policy.parameters(), 0.5)
        optimizer.step()
        losses.append(loss.item())
        if step % 3 == 2:
            target.load_state_dict(policy.state_dict())
            synced.append(step)
        else:
            with torch.no_grad():
                for tp, pp in zip(target.parameters(), policy.parameters()):
                    tp.mul_(0.9).add_(pp, alpha=0.1)
    with torch.no_grad():
        greedy = policy(torch.eye(n_states, dtype=dtype)).max(dim=1)
    return {"losses": losses, "models": {"policy": policy, "target": target},
            "greedy": greedy.indices.tolist(), "values": greedy.values.tolist(),
            "synced": synced}
