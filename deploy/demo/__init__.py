"""The main job on the embedded default: the whole pipeline, judged against the simulator's ground truth."""

from deploy.demo.run import DEFAULT_FAULTS, DemoOptions, DemoOutcome, run_demo

__all__ = ["DEFAULT_FAULTS", "DemoOptions", "DemoOutcome", "run_demo"]
