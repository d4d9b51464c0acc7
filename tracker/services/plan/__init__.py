"""The plan and its history: actions, their updates and evidence, changes to the plan (edits,
target dates, superseding), dependencies, the projection of each action's current state, the
inspections and findings the plan answers, and the lists and home page that read them."""
