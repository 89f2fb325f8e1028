"""Actor-critic on the 1-D corridor: a shared trunk with a policy head and a value head,
smooth_l1_loss for the critic, advantages detached for the actor."""

from _corridor import Corridor


def main(torch, nn, F, optim, data, *, init=None, episodes=6, uniforms=None, gamma=0.9):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    env = Corridor()

    class ActorCritic(nn.Module):
        def __init__(self, n_states, n_actions=2):
            super().__init__()
            self.trunk = nn.Sequential(nn.Linear(n_states, 16), nn.ReLU())
            self.action_head = nn.Linear(16, n_actions)
            self.value_head = nn.Linear(16, 1)

        def forward(self, x):
            h = self.trunk(x)
            return F.softmax(self.action_head(h), dim=-1), self.value_head(h)

    model = ActorCritic(env.length)
    if init:
        init({"model": model})
    optimizer = optim.RMSprop(model.parameters(), lr=0.01)
    states = torch.eye(env.length, dtype=dtype)
    losses, draw = [], 0
    for _ in range(episodes):
        state, saved, rewards, done = env.reset(), [], [], False
        while not done:
            probs, value = model(states[state])
            u = torch.rand(1).item() if uniforms is None else float(uniforms[draw])
            draw += 1
            action = int((probs.detach().cumsum(dim=0) < u).sum().item())
            action = min(action, 1)
            saved.append((probs[action].log(), value.squeeze(0)))
            state, reward, done = env.step(action)
            rewards.append(reward)
        returns, R = [], 0.0
        for r in rewards[::-1]:
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns, dtype=dtype)
        log_probs = torch.stack([lp for lp, _ in saved])
        values = torch.stack([v for _, v in saved])
        advantage = returns - values.detach()
        policy_loss = -(log_probs * advantage).sum()
        value_loss = F.smooth_l1_loss(values, returns, reduction="sum")
        loss = policy_loss + value_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"losses": losses, "models": {"model": model}}
