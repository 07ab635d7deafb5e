"""Skills, deployments, runs and dreams decode leniently and keep what they do not know."""

from __future__ import annotations

import qoder_async as qa
from qoder_async._models._convert import structure


def test_an_unknown_field_is_kept_in_raw() -> None:
    dream = structure({"id": "drm_1", "status": "running", "priority": 3}, qa.Dream)
    assert dream.raw["priority"] == 3
    assert dream.active


def test_a_numeric_skill_version_becomes_a_string() -> None:
    skill = structure({"id": "skill_1", "latest_version": 2}, qa.Skill)
    version = structure({"id": "skillver_1", "version": 3}, qa.SkillVersion)
    assert (skill.latest_version, version.version) == ("2", "3")


def test_a_skill_source_may_be_a_string_or_an_object() -> None:
    assert structure({"id": "s", "source": "custom"}, qa.Skill).source == "custom"
    assert structure({"id": "s", "source": {"type": "qoder"}}, qa.Skill).source == {"type": "qoder"}


def test_deployment_metadata_keeps_the_cas_config_object() -> None:
    config = {"stats": {"total_runs": 4}}
    deployment = structure({"id": "dep_1", "metadata": {"cas_config": config}}, qa.Deployment)
    assert deployment.metadata["cas_config"] == config


def test_deployment_environment_variables_may_be_text_or_an_object() -> None:
    text = structure({"id": "d", "environment_variables": "A=1"}, qa.Deployment)
    mapping = structure({"id": "d", "environment_variables": {"A": "1"}}, qa.Deployment)
    assert (text.environment_variables, mapping.environment_variables) == ("A=1", {"A": "1"})


def test_an_initial_event_with_plain_string_content_is_kept() -> None:
    event = {"type": "user.message", "content": "Daily report"}
    deployment = structure({"id": "d", "initial_events": [event]}, qa.Deployment)
    assert deployment.initial_events == (event,)


def test_the_agent_id_of_a_deployment_reads_either_shape() -> None:
    pinned = structure({"id": "d", "agent": {"type": "agent", "id": "agent_1"}}, qa.Deployment)
    latest = structure({"id": "d", "agent": "agent_2"}, qa.Deployment)
    assert (pinned.agent_id, latest.agent_id) == ("agent_1", "agent_2")


def test_a_run_without_status_decodes() -> None:
    run = structure(
        {"id": "drun_1", "deployment_id": "dep_1", "trigger_context": {"type": "schedule"}},
        qa.DeploymentRun,
    )
    assert run.status is None
    assert run.trigger_context == {"type": "schedule"}


def test_dream_usage_with_missing_counts_decodes() -> None:
    dream = structure(
        {"id": "drm_1", "usage": {"input_tokens": None, "output_tokens": 5}}, qa.Dream
    )
    assert dream.usage == qa.DreamUsage(input_tokens=None, output_tokens=5)
