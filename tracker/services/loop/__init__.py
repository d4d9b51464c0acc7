"""The update loop: the cycles the rhythm gives, each area's return (drafts, submission, amendment,
history) and the monthly self-evaluation."""
