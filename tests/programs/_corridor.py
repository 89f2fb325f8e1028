"""A deterministic 1-D corridor: start in cell 0, actions 0 (left) and 1 (right), reward 1
for reaching the last cell, -0.05 per step, at most ``limit`` steps."""


class Corridor:
    def __init__(self, length=5, limit=10):
        self.length, self.limit = length, limit

    def reset(self):
        self.pos, self.t = 0, 0
        return self.pos

    def step(self, action):
        self.pos = max(0, min(self.length - 1, self.pos + (1 if action == 1 else -1)))
        self.t += 1
        done = self.pos == self.length - 1 or self.t == self.limit
        reward = 1.0 if self.pos == self.length - 1 else -0.05
        return self.pos, reward, done
