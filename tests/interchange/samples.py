"""A small business in the nine interchange files, every column used at least once."""

from daur.vocabulary import INTERCHANGE_IMPORT_ORDER

IMPORT_ORDER = INTERCHANGE_IMPORT_ORDER  # the order the tests load FILES in

FILES = {
    "campaigns": """\
campaign_id,name,channel,purpose,cost,started_on,ended_on
CMP1,Pameran Jakarta 2025,exhibition,acquisition,25000000,2025-01-10,2025-01-12
CMP2,Newsletter Ramadan,email,retention,1500000.50,2025-03-01,
""",
    "customers": """\
customer_id,name,kind,relationship,email,phone,country,city,industry,acquired_via,campaign_id,referred_by,created_at,owner,loyalty_card
C1,Ani Wijaya,person,external,ani@example.co.id,+62 811 111,ID,Jakarta,,exhibition,CMP1,C2,2025-01-11T10:00:00+07:00,rep1,GOLD-1
C2,Toko Maju Jaya,organization,intermediary,toko@maju.co.id,,ID,Surabaya,retail,trade_show,,,2024-06-01,rep1,
C3,"Rossi, Giulia",person,external,giulia@example.it,,IT,Milano,,website,,C1,2025-02-02T09:30:00+01:00,,
C4,Divisi Gudang,organization,internal,,,ID,Jakarta,logistics,,,,2024-01-01,,
""",
    "products": """\
sku,name,category,tier,price,unit_cost,launched_on
SKU-1,Rice cooker 1.8L,kitchen,standard,450000,300000,2023-05-01
SKU-2,Air fryer Pro,kitchen,premium,1990000,1200000,2025-01-01
SKU-3,Kipas angin,cooling,budget,250000,,
""",
    "leads": """\
lead_id,name,source,campaign_id,created_at,stage,owner,email,company,converted_customer_id,converted_at,expected_value,lost_reason
L1,Budi Santoso,exhibition,CMP1,2025-01-10T11:00:00+07:00,won,rep1,budi@example.com,CV Santoso,C1,2025-01-11T10:00:00+07:00,5000000,
L2,Sari Dewi,website,,2025-02-01,lost,,sari@example.com,,,,,price
L3,Marco Bianchi,search_engine,,2025-03-01,new,,,,,,,
""",
    "orders": """\
order_id,customer_id,ordered_at,amount,currency,discount_amount,coupon_code,channel,reseller_id
O1,C1,2025-01-15T10:00:00+07:00,2440000,IDR,0,,store,C2
O2,C1,2025-03-01,1791000,IDR,199000,RAMADAN10,web,
O3,C3,2025-02-10T12:00:00+01:00,129.90,EUR,,,web,
O4,C2,2025-02-20,-450000,IDR,0,,phone,
""",
    "order_lines": """\
order_id,sku,quantity,unit_price,discount_amount
O1,SKU-1,1,450000,0
O1,SKU-2,1,1990000,0
O2,SKU-2,1,1990000,199000
O3,SKU-3,1,129.90,
O4,SKU-1,1,450000,0
""",
    "interactions": """\
customer_id,lead_id,kind,occurred_at,channel,user,note
C1,,inquiry,2025-01-10T12:00:00+07:00,whatsapp,rep1,"Asked about the air fryer, ""Pro"" model"
,L3,visit,2025-03-01T15:00:00,web,,
C3,,visit,2025-02-09,web,,
""",
    "tickets": """\
ticket_id,customer_id,kind,opened_at,first_response_at,resolved_at,status,accepted,satisfaction,priority
T1,C1,complaint,2025-03-05T09:00:00+07:00,2025-03-05T10:00:00+07:00,2025-03-06T09:00:00+07:00,closed,,4,high
T2,C3,suggestion,2025-03-07,,,open,true,,normal
""",
    "surveys": """\
customer_id,answered_at,nps,comment
C1,2025-03-10T08:00:00+07:00,9,Pelayanan cepat
C3,2025-03-11,6,
""",
}
