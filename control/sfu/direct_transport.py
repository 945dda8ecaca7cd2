"""DirectTransport (DirectTransport.js): media and data that start or end in the control process
itself, over the payload channel: RTP injected with `Producer.send`, RTP received as consumers'
"rtp" events, RTCP both ways, and data messages through DataProducers/DataConsumers."""

from __future__ import annotations

import uuid
from typing import Any

from control.sfu.data_channel import DataConsumer, DataProducer
from control.sfu.transport import Transport


class DirectTransport(Transport):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.data_producers: dict[str, DataProducer] = {}
        self.data_consumers: dict[str, DataConsumer] = {}
        self._channel.require_payload().subscribe(self.id, self._on_payload)

    def _on_payload(self, event: str, _data: Any, payload: bytes) -> None:
        if event == "rtcp" and not self.closed:
            self.events.emit("rtcp", payload)

    async def connect(self) -> None:
        """Nothing to negotiate: present for symmetry with the other kinds."""

    def send_rtcp(self, packet: bytes) -> None:
        self._require_open()
        self._channel.require_payload().notify("transport.sendRtcp", self.id, None, packet)

    async def produce_data(self, *, label: str = "", protocol: str = "", data_producer_id: str | None = None,
                           app_data: dict[str, Any] | None = None) -> DataProducer:
        self._require_open()
        request = {"dataProducerId": data_producer_id or str(uuid.uuid4()), "type": "direct",
                   "label": label, "protocol": protocol}
        data = await self._channel.request("transport.produceData", self.id, request)
        producer = DataProducer(endpoint_id=request["dataProducerId"], transport_id=self.id, data=data,
                                channel=self._channel, app_data=app_data or {},
                                on_closed=lambda p: self.data_producers.pop(p.id, None))
        self.data_producers[producer.id] = producer
        self.observer.emit("newdataproducer", producer)
        return producer

    async def consume_data(self, data_producer: DataProducer, *, app_data: dict[str, Any] | None = None) -> DataConsumer:
        """`data_producer` may be on any transport of the same router."""
        self._require_open()
        request = {"dataConsumerId": str(uuid.uuid4()), "dataProducerId": data_producer.id, "type": "direct",
                   "label": data_producer.label, "protocol": data_producer.protocol}
        data = await self._channel.request("transport.consumeData", self.id, request)
        consumer = DataConsumer(endpoint_id=request["dataConsumerId"], transport_id=self.id, data=data,
                                data_producer_id=data_producer.id, channel=self._channel,
                                app_data=app_data or {}, on_closed=lambda c: self.data_consumers.pop(c.id, None))
        self.data_consumers[consumer.id] = consumer
        self.observer.emit("newdataconsumer", consumer)
        return consumer

    def _finish(self) -> bool:
        if not super()._finish():
            return False
        for endpoint in [*self.data_producers.values(), *self.data_consumers.values()]:
            endpoint.transport_closed()
        return True
