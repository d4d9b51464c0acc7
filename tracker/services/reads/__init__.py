"""The reads, one module per question (tracker.services.plan.queries re-exports them all):

- `state`: where an action's state is read, the projection now or the history as at a moment;
- `action_rows`: the row every action list and the action page show;
- `plan_lists`: which actions a plan list shows, filtered, sorted and paged;
- `one_action`: one action, its history and its dependencies;
- `recommendations`: the recommendations, the overview's counts and the response deadline;
- `reference`: plans, localities, organisations and the filter menus' choices.
"""
