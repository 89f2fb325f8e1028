"""REINFORCE (PyTorch's reinforcement_learning example) on a 1-D corridor: a policy MLP on
one-hot states, normalised discounted returns. Actions: ``Categorical(probs).sample()``;
or, given ``uniforms``, by inverse CDF from them (the same actions on every library);
log-probabilities with ``Categorical.log_prob`` (or, ``gather=True``, with gather)."""

from _corridor import Corridor


def main(torch, nn, F, optim, data, *, init=None, episodes=6, uniforms=None, gamma=0.9,
         gather=False):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    env = Corridor()

    class Policy(nn.Module):
        def __init__(self, n_states, n_actions=2):
            super().__init__()
            self.affine1 = nn.Linear(n_states, 16)
            self.affine2 = nn.Linear(16, n_actions)

        def forward(self, x):
            return F.softmax(self.affine2(F.relu(self.affine1(x))), dim=1)

    policy = Policy(env.length)
    if init:
        init({"policy": policy})
    optimizer = optim.Adam(policy.parameters(), lr=0.05)
    eye = torch.eye(env.length, dtype=dtype)
    losses, lengths, draw = [], [], 0
    for _ in range(episodes):
        state, log_probs, rewards, done = env.reset(), [], [], False
        while not done:
            probs = policy(eye[state].unsqueeze(0))
            m = torch.distributions.Categorical(probs.squeeze(0))
            if uniforms is None:
                action = m.sample().item()
            else:
                u = float(uniforms[draw])
                action = int((probs.detach().cumsum(dim=1) < u).sum().item())
                action = min(action, probs.size(1) - 1)
            draw += 1
            if gather:
                log_probs.append(torch.log(probs.gather(1, torch.tensor([[action]]))).squeeze())
            else:
                log_probs.append(m.log_prob(torch.tensor(action)))
            state, reward, done = env.step(action)
            rewards.append(reward)
        returns, R = [], 0.0
        for r in reversed(rewards):
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns, dtype=dtype)
        if len(returns) > 1:
            returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        loss = -(torch.stack(log_probs) * returns).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        lengths.append(len(rewards))
    return {"losses": losses, "models": {"policy": policy}, "lengths": lengths}
