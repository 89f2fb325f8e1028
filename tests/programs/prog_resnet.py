"""A small ResNet on the 8x8 digits: BasicBlocks with BatchNorm2d and a 1x1 projection
shortcut, AdaptiveAvgPool2d, kaiming_normal_ init, SGD with Nesterov momentum and a
weight decay, MultiStepLR, channels_last-free eval with running statistics."""

from sklearn.datasets import load_digits


def main(torch, nn, F, optim, data, *, init=None, steps=6):
    torch.manual_seed(0)
    digits = load_digits()
    dtype = torch.get_default_dtype()
    x = torch.from_numpy(digits.images[:192] / 16.0).to(dtype).unsqueeze(1)
    y = torch.from_numpy(digits.target[:192]).long()

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, in_planes, planes, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.shortcut = nn.Sequential()
            if stride != 1 or in_planes != planes:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                    nn.BatchNorm2d(planes))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += self.shortcut(x)
            return F.relu(out)

    class ResNet(nn.Module):
        def __init__(self, num_classes=10):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
            self.layer2 = nn.Sequential(BasicBlock(8, 16, stride=2))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16, num_classes)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)), inplace=True)
            out = self.layer2(self.layer1(out))
            out = torch.flatten(self.avgpool(out), 1)
            return self.fc(out)

    model = ResNet()
    if init:
        init({"model": model})
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                          weight_decay=5e-4)
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 4], gamma=0.1)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=64, drop_last=True)
    losses, lrs = [], []
    model.train()
    while len(losses) < steps:
        for inputs, targets in loader:
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            _, predicted = outputs.max(1)
            if len(losses) == steps:
                break
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    model.eval()
    with torch.no_grad():
        logits = model(x)
        correct = predicted.eq(targets).sum().item()
        top2 = logits.topk(2, dim=1).indices
        hit2 = (top2 == y.view(-1, 1)).any(dim=1).float().mean().item()
    return {"losses": losses, "models": {"model": model}, "lrs": lrs, "correct": correct,
            "hit2": hit2, "running_var": model.layer2[0].bn2.running_var.clone(),
            "batches": model.bn1.num_batches_tracked.item()}
