"""A service running on a service account: the key is exchanged for short-lived tokens,
renewed before they expire. Without QODER_SA_KEY: the local emulator, with 5 s tokens."""

import os

import anyio

import qoder_async as qa


async def main(credential: qa.ServiceAccountCredential, base_url: str | None = None) -> None:
    async with credential, qa.AsyncQoder(credential, base_url) as client:
        for round_ in range(3):
            models = [model.id async for model in client.models.list()]
            print(f"round {round_}: {len(models)} models, {credential.exchanges} exchange(s)")
            await anyio.sleep(2.5)  # past the renewal point of a 5 s token after two rounds


if __name__ == "__main__":
    if os.environ.get("QODER_SA_KEY"):
        # QODER_REGION=cn selects the China exchange and API.
        anyio.run(main, qa.ServiceAccountCredential.from_env())
    else:
        from qoder_async.testing import Emulator

        with Emulator() as emulator:
            emulator.add_service_account("sa-demo-key", ttl_seconds=5)
            demo = qa.ServiceAccountCredential("sa-demo-key", exchange_url=emulator.exchange_url)
            anyio.run(main, demo, emulator.base_url)
