from tests.integration.conftest import start_sim, Sim, AUTH

def test_x(sim):
    assert start_sim and Sim and AUTH
