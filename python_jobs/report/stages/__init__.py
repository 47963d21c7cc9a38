"""One module per pipeline stage: functions that fill a report Section from that stage's tables."""
