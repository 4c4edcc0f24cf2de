-- A deployment's commits become one JSON array on its row (["sha", ...], in
-- the order the event listed them), as a commit's parents are, instead of a
-- row per commit in delivery_deployment_commits. The list is only ever read
-- whole with its deployment, and a row per commit made a row (and an index
-- entry) per commit a second time: about a third of what ingesting a large
-- repository wrote. Keep it in step with
-- ../postgres/0007_deployment_commit_lists.sql.
ALTER TABLE delivery_deployments ADD COLUMN commits TEXT NOT NULL DEFAULT '[]';

UPDATE delivery_deployments SET commits = (
    SELECT json_group_array(c.sha ORDER BY c.position)
    FROM delivery_deployment_commits c WHERE c.deployment_id = delivery_deployments.id
) WHERE id IN (SELECT deployment_id FROM delivery_deployment_commits);

DROP TABLE delivery_deployment_commits;
