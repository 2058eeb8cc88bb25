"""The request body's model, as a dataclass (lambdakit's own validation) and as a pydantic
model (lambdakit, Powertools and hand-written pydantic): the same four fields, one nested."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass
class Address:
    street: str
    city: str
    zip: str


@dataclass
class Order:
    name: str
    quantity: int
    email: str
    address: Address


class AddressModel(BaseModel):
    street: str
    city: str
    zip: str


class OrderModel(BaseModel):
    name: str
    quantity: int
    email: str
    address: AddressModel
