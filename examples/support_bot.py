"""A support bot that acts: two custom tools (one slow) and an operator's approval step.

The agent looks up the order and the refund status itself; listing files (``Glob``) needs
the operator's ``y`` at the terminal. Without a token it runs against the local emulator.
"""

import os
import time

import anyio
import anyio.to_thread

import qoder_async as qa

ORDERS = {"ord_123": "2 mugs, shipped Monday, arriving Thursday"}


@qa.tool
async def lookup_order(order_id: str) -> str:
    """Look up an order by its id.

    Args:
        order_id: the order's id, like "ord_123".
    """
    if order_id not in ORDERS:
        raise qa.ToolError(f"there is no order {order_id}")
    return ORDERS[order_id]


@qa.tool(timeout=30)
def refund_status(order_id: str) -> str:
    """Ask the (slow) billing system whether an order can be refunded.

    Args:
        order_id: the order's id.
    """
    time.sleep(1.0)  # a plain def runs in a worker thread: the event loop is not blocked
    return f"{order_id} can be refunded until the 30th"


async def operator_approves(call: qa.PendingCall) -> bool | qa.Deny:
    """Ask the person at the terminal; anything but "y" refuses."""
    answer = await anyio.to_thread.run_sync(input, f"Allow {call.name} {call.input}? [y/N] ")
    return answer.strip().lower() == "y" or qa.Deny("the operator said no")


async def main(base_url: str | None = None, token: str | None = None) -> None:
    async with qa.AsyncQoder(token, base_url) as client:
        toolset = {
            "type": "agent_toolset_20260401",
            "configs": [{"name": "Glob", "permission_policy": {"type": "always_ask"}}],
        }
        agent = await client.agents.create(
            name="support", model="ultimate", tools=[lookup_order, refund_status, toolset]
        )
        env = await client.environments.create(name="support")
        session = await client.sessions.create(agent=agent.id, environment_id=env.id)
        result = await session.ask(
            "A customer asks where order_id=ord_123 is, and whether they can get a refund.",
            tools=[lookup_order, refund_status],
            on_permission=operator_approves,
        )
        print(result.text)


if __name__ == "__main__":
    if os.environ.get("QODER_ACCESS_TOKEN") or os.environ.get("QODER_PAT"):
        anyio.run(main)
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator:
            anyio.run(main, emulator.base_url, "emulator")
