"""The MIF ERP project library: infrastructure shared by every service, no business rules."""
