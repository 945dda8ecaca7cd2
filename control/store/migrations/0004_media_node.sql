-- Which node hosts a call's SFU room: requests from participants on other nodes are sent there.
-- The host renews media_node_seen while the room is open; another node takes over a call whose
-- host stopped renewing (it died).
ALTER TABLE calls ADD COLUMN media_node text;
ALTER TABLE calls ADD COLUMN media_node_seen timestamptz;
